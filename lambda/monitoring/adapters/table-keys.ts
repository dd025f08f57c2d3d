/**
 * The monitoring table's layout:
 *
 *   pk              sk                      holds
 *   MON#<monitor>   C#<check id>            a check (ids sort by window end); expires after CHECK_TTL_DAYS
 *   MONITORS        M#<monitor>             the monitor's latest check, by window end
 *   MON#<monitor>   #GATE                   when the retrain gate last opened
 *   STORED_MONITORS M#<monitor>             a monitor the platform stores, with its schedule
 *   B#<model>       V#<version, 10 digits>  a version's baseline
 */
export const CHECK_TTL_DAYS = 400;

const pad = (n: number) => String(n).padStart(10, '0');

export const monitoringKeys = {
  check: (monitor: string, checkId: string) => ({ pk: `MON#${monitor}`, sk: `C#${checkId}` }),
  checkPrefix: 'C#',
  monitorPartition: (monitor: string) => `MON#${monitor}`,
  latest: (monitor: string) => ({ pk: 'MONITORS', sk: `M#${monitor}` }),
  latestPartition: 'MONITORS',
  gate: (monitor: string) => ({ pk: `MON#${monitor}`, sk: '#GATE' }),
  storedMonitor: (monitor: string) => ({ pk: 'STORED_MONITORS', sk: `M#${monitor}` }),
  storedMonitorPartition: 'STORED_MONITORS',
  baseline: (model: string, version: number) => ({ pk: `B#${model}`, sk: `V#${pad(version)}` }),
};
