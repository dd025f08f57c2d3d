/**
 * The registry's single-table layout. Every item of a model shares its partition, so a model's
 * versions, aliases and history are read with one key-condition query:
 *
 *   pk          sk                                gsi1pk         gsi1sk
 *   M#<name>    #MODEL (nextVersion counter)      MODELS         <name>
 *   M#<name>    V#<version, 10 digits>
 *   M#<name>    T#<client token>                  (expires after TOKEN_TTL_DAYS)
 *   M#<name>    G#<version>#<tag key>             TAG#<key>      <value>␟<name>␟<version>
 *   M#<name>    A#<alias>
 *   M#<name>    H#<changedAt>#<alias>#<revision>
 */
export const GSI1 = 'gsi1';
export const TOKEN_TTL_DAYS = 30;

/** Separates the parts of a tag index sort key; tag values cannot hold control characters. */
const UNIT_SEPARATOR = '\u001f';

const pad = (n: number) => String(n).padStart(10, '0');

export const keys = {
  model: (name: string) => ({ pk: `M#${name}`, sk: '#MODEL' }),
  modelIndex: (name: string) => ({ gsi1pk: 'MODELS', gsi1sk: name }),
  version: (name: string, version: number) => ({ pk: `M#${name}`, sk: `V#${pad(version)}` }),
  versionPrefix: 'V#',
  token: (name: string, clientToken: string) => ({ pk: `M#${name}`, sk: `T#${clientToken}` }),
  tag: (name: string, version: number, key: string, value: string) => ({
    pk: `M#${name}`,
    sk: `G#${pad(version)}#${key}`,
    gsi1pk: `TAG#${key}`,
    gsi1sk: [value, name, pad(version)].join(UNIT_SEPARATOR),
  }),
  tagPartition: (key: string) => `TAG#${key}`,
  tagPrefix: (value: string, name?: string) => [value, ...(name === undefined ? [] : [name])].join(UNIT_SEPARATOR) + UNIT_SEPARATOR,
  alias: (name: string, alias: string) => ({ pk: `M#${name}`, sk: `A#${alias}` }),
  aliasPrefix: 'A#',
  history: (name: string, changedAt: string, alias: string, revision: number) => ({
    pk: `M#${name}`,
    sk: `H#${changedAt}#${alias}#${pad(revision)}`,
  }),
  historyPrefix: 'H#',
  partition: (name: string) => `M#${name}`,
};
