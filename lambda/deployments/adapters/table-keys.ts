/**
 * The deployments table's single-table layout; a deployment's history shares its partition, newest last:
 *
 *   pk          sk                                   gsi1pk         gsi1sk
 *   D#<name>    #DEPLOYMENT                          DEPLOYMENTS    <name>
 *   D#<name>    H#<at>#<revision, 10 digits>#<to>
 */
export const GSI1 = 'gsi1';

const pad = (n: number) => String(n).padStart(10, '0');

export const deploymentKeys = {
  deployment: (name: string) => ({ pk: `D#${name}`, sk: '#DEPLOYMENT' }),
  deploymentIndex: (name: string) => ({ gsi1pk: 'DEPLOYMENTS', gsi1sk: name }),
  history: (name: string, at: string, revision: number, to: string) => ({ pk: `D#${name}`, sk: `H#${at}#${pad(revision)}#${to}` }),
  historyPrefix: 'H#',
  partition: (name: string) => `D#${name}`,
};
