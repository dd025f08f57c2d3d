import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { admitSigned, forwardToMoto, sendError, serveOnLoopback } from './aws-listener';
import { LOCAL_REGION } from './emulators';
import { type BusEvent, type EventRoute, matchesPattern } from './event-rules';
import { LOCAL_ACCOUNT } from './provision-from-template';
import type { LocalCredentials } from './sigv4-verifier';

/**
 * EventBridge on this machine (`AWS_ENDPOINT_URL_EVENTBRIDGE` of the local functions): every request goes on to moto
 * unchanged, which keeps the buses and answers; moto delivers nothing, so each entry of a PutEvents that moto accepted
 * is matched here against the template's rules on its bus and handed to each matching rule's functions, as
 * EventBridge invokes them: asynchronously, with the event envelope. Guarded as the other local listeners: loopback
 * only, a foreign Host or Origin refused, SigV4 required.
 */

export interface EventRouterOptions {
  readonly routes: readonly EventRoute[];
  /** The credentials whose signed requests are served: the functions' (moto's) and the descriptor's. */
  readonly credentials: readonly LocalCredentials[];
  readonly moto: { readonly endpoint: string; readonly credentials: LocalCredentials };
  /** Invokes a rule's function (by logical id) with an event, asynchronously (Lambda's `Event` invocation). */
  readonly deliver: (functionLogicalId: string, event: BusEvent) => Promise<void>;
  /** @default - a free port on 127.0.0.1 */
  readonly port?: number;
  /** One line per delivery. @default - none */
  readonly log?: (line: string) => void;
}

export interface EventRouter {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  /** Stops listening, once the deliveries under way are handed over. */
  stop(): Promise<void>;
}

/** PutEvents takes 256 KB of entries; the JSON around them is allowed for. */
const MAX_BODY_BYTES = 1024 * 1024;

export async function startEventRouter(options: EventRouterOptions): Promise<EventRouter> {
  const deliveries = new Set<Promise<void>>();
  const route = (event: BusEvent, eventBusName: string) => {
    for (const rule of options.routes) {
      if (rule.eventBusName !== eventBusName || !matchesPattern(rule.pattern, event)) continue;
      for (const functionLogicalId of rule.functionLogicalIds) {
        const delivery = options.deliver(functionLogicalId, event).then(
          () => options.log?.(`${event['detail-type']} ${event.id} -> ${functionLogicalId} (rule ${rule.ruleLogicalId})`),
          (error: Error) => options.log?.(`${event['detail-type']} ${event.id} -> ${functionLogicalId} (rule ${rule.ruleLogicalId}) failed: ${error.message}`),
        );
        deliveries.add(delivery);
        void delivery.finally(() => deliveries.delete(delivery));
      }
    }
  };
  return serveOnLoopback(
    { port: options.port, name: 'local EventBridge endpoint', errorType: 'InternalException', settle: () => Promise.allSettled([...deliveries]) },
    (request, response, port) => serve(request, response, port, options, route),
  );
}

async function serve(
  request: IncomingMessage,
  response: ServerResponse,
  port: number,
  options: EventRouterOptions,
  route: (event: BusEvent, eventBusName: string) => void,
): Promise<void> {
  const admitted = await admitSigned(request, port, options.credentials, 'events', MAX_BODY_BYTES);
  if ('refusal' in admitted) {
    response.setHeader('x-amzn-RequestId', randomUUID());
    return sendError(response, admitted.status, admitted.refusal.type, { message: admitted.refusal.message });
  }
  const answer = await forwardToMoto(request, admitted.body, options.moto, 'events');
  response.writeHead(answer.status, answer.headers).end(answer.body);
  if (request.headers['x-amz-target'] !== 'AWSEvents.PutEvents' || answer.status !== 200) return;
  for (const { event, eventBusName } of acceptedEvents(admitted.body, answer.body)) route(event, eventBusName);
}

type PutEventsEntry = { Source?: string; DetailType?: string; Detail?: string; Resources?: string[]; Time?: number; EventBusName?: string };

/** The entries moto accepted (it answers each by position: an EventId, or an error), as EventBridge delivers them. */
function acceptedEvents(requestBody: Buffer, answerBody: Buffer): { event: BusEvent; eventBusName: string }[] {
  const entries = (JSON.parse(requestBody.toString('utf8')) as { Entries?: PutEventsEntry[] }).Entries ?? [];
  const results = (JSON.parse(answerBody.toString('utf8')) as { Entries?: { EventId?: string }[] }).Entries ?? [];
  return entries.flatMap((entry, index) => {
    const id = results[index]?.EventId;
    const detail = parseDetail(entry.Detail);
    if (!id || detail === undefined) return [];
    const event: BusEvent = {
      version: '0',
      id,
      'detail-type': entry.DetailType ?? '',
      source: entry.Source ?? '',
      account: LOCAL_ACCOUNT,
      // EventBridge's time has whole seconds; an entry's Time is epoch seconds in the JSON protocol.
      time: new Date(entry.Time === undefined ? Date.now() : entry.Time * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: LOCAL_REGION,
      resources: entry.Resources ?? [],
      detail,
    };
    return [{ event, eventBusName: busName(entry.EventBusName) }];
  });
}

function parseDetail(detail: string | undefined): unknown {
  try {
    return JSON.parse(detail ?? '{}');
  } catch {
    return undefined;
  }
}

/** An entry's bus, given by name or ARN (`arn:aws:events:<region>:<account>:event-bus/<name>`), or the default one. */
const busName = (nameOrArn: string | undefined) => (nameOrArn ? nameOrArn.replace(/^arn:[^:]+:events:[^:]*:[^:]*:event-bus\//, '') : 'default');
