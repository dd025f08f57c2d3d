import { createHandler } from '../../shared/handler';
import { storedMonitorDependencies } from '../adapters/stored-monitor-dependencies';
import { createMonitor } from '../core/create-monitor';
import { CreateMonitorRequest } from '../core/schemas';

export const handler = createHandler(CreateMonitorRequest, createMonitor(storedMonitorDependencies()));
