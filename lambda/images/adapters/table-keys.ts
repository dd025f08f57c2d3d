/**
 * The images table's single-table layout; an image's versions, tokens and served-model entries
 * share its partition:
 *
 *   pk          sk                                   gsi1pk                       gsi1sk
 *   I#<name>    #IMAGE (nextVersion counter)          IMAGES                       <name>
 *   I#<name>    V#<version, 10 digits>
 *   I#<name>    T#<client token>                     (expires after TOKEN_TTL_DAYS)
 *   I#<name>    S#<version>#<model>#<model version>  SERVES#<model>#<model version>  <name>#<version>
 */
export const GSI1 = 'gsi1';
export const TOKEN_TTL_DAYS = 30;

const pad = (n: number) => String(n).padStart(10, '0');

export const imageKeys = {
  image: (name: string) => ({ pk: `I#${name}`, sk: '#IMAGE' }),
  imageIndex: (name: string) => ({ gsi1pk: 'IMAGES', gsi1sk: name }),
  version: (name: string, version: number) => ({ pk: `I#${name}`, sk: `V#${pad(version)}` }),
  versionPrefix: 'V#',
  token: (name: string, clientToken: string) => ({ pk: `I#${name}`, sk: `T#${clientToken}` }),
  serves: (name: string, version: number, model: string, modelVersion: number) => ({
    pk: `I#${name}`,
    sk: `S#${pad(version)}#${model}#${pad(modelVersion)}`,
    ...imageKeys.servesIndex(model, modelVersion),
    gsi1sk: `${name}#${pad(version)}`,
  }),
  servesIndex: (model: string, modelVersion: number) => ({ gsi1pk: `SERVES#${model}#${pad(modelVersion)}` }),
  partition: (name: string) => `I#${name}`,
};
