import { Duration } from 'aws-cdk-lib';
import { monitorsFromContext } from '../../../lib/monitoring/monitors-from-context';

describe('monitorsFromContext', () => {
  test('reads each monitor with its durations as Duration, the other fields as given', () => {
    const [monitor] = monitorsFromContext([
      {
        monitorName: 'churn-production',
        model: 'churn',
        alias: 'production',
        schedule: '15 minutes',
        window: '1 hour',
        minRecords: 50,
        thresholds: { driftShare: 0.3 },
        numericMethod: 'psi',
        retrainCooldown: '2 days',
      },
    ]);

    expect(monitor).toMatchObject({ monitorName: 'churn-production', model: 'churn', alias: 'production', minRecords: 50, thresholds: { driftShare: 0.3 } });
    expect(monitor.schedule?.toMinutes()).toBe(15);
    expect(monitor.window?.toMinutes()).toBe(60);
    expect(monitor.retrainCooldown?.toHours()).toBe(48);
    expect(monitor.schedule).toBeInstanceOf(Duration);
  });

  test('accepts singular units and leaves absent durations to the construct defaults', () => {
    const [monitor] = monitorsFromContext([{ monitorName: 'm', model: 'churn', version: 3, schedule: '1 day' }]);

    expect(monitor.schedule?.toDays()).toBe(1);
    expect(monitor).not.toHaveProperty('window');
    expect(monitor.version).toBe(3);
  });

  test('no context means no monitors; JSON text (cdk deploy -c monitors=...) is read as JSON', () => {
    expect(monitorsFromContext(undefined)).toEqual([]);
    expect(monitorsFromContext('[{"monitorName":"m","model":"churn","alias":"production"}]')).toEqual([
      { monitorName: 'm', model: 'churn', alias: 'production' },
    ]);
  });

  test('fails naming every bad field by its path', () => {
    const declared = [
      { monitorName: 'ok', model: 'churn', alias: 'production' },
      { monitorName: 'bad name!', model: 'churn', alias: 'production', schedule: '15 mins', scheduleMinutes: 15, minRecords: 0 },
    ];

    let message = '';
    try {
      monitorsFromContext(declared);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^context "monitors" has invalid monitors: /);
    expect(message).toMatch(/monitors\[1\]\.monitorName must start with a letter or digit/);
    expect(message).toMatch(/monitors\[1\]\.schedule must be a whole number and a unit, e\.g\. "15 minutes"/);
    expect(message).toMatch(/monitors\[1\]\.scheduleMinutes is not a known field/);
    expect(message).toMatch(/monitors\[1\]\.minRecords/);
    expect(message).not.toMatch(/monitors\[0\]/);
  });

  test('fails on a value that is not an array, or text that is not JSON, saying where it came from', () => {
    expect(() => monitorsFromContext({ monitorName: 'm' }, 'monitors.json')).toThrow('monitors.json must be an array of monitors, got {"monitorName":"m"}');
    expect(() => monitorsFromContext('[{', 'context "monitors"')).toThrow(/^context "monitors" is not JSON: /);
  });
});
