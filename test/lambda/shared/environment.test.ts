import { z } from 'zod';
import { readEnvironment } from '../../../lambda/shared/environment';

const Schema = z.object({ REGISTRY_TABLE_NAME: z.string().min(3), EVENT_BUS_NAME: z.string().min(1) });

describe('readEnvironment', () => {
  it('returns the validated variables', () => {
    const env = readEnvironment(Schema, { REGISTRY_TABLE_NAME: 'registry', EVENT_BUS_NAME: 'bus', PATH: '/usr/bin' });

    expect(env).toEqual({ REGISTRY_TABLE_NAME: 'registry', EVENT_BUS_NAME: 'bus' });
  });

  it('fails naming every missing or invalid variable', () => {
    expect(() => readEnvironment(Schema, { REGISTRY_TABLE_NAME: 'r' })).toThrow(/^invalid function environment: REGISTRY_TABLE_NAME .*, EVENT_BUS_NAME /);
  });
});
