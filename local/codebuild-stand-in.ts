import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { foreignRequestReason } from './loopback-guard';

/**
 * A stand-in for the CodeBuild API on loopback: the calls the platform sends (`CreateProject` when
 * provisioning, `StartBuild`), answered in CodeBuild's JSON protocol, with each started build
 * handed to `onBuild`. Moto's CodeBuild cannot serve here: it answers timestamps as text, which
 * the SDK refuses. Nothing is built; what happens to a build (a simulated run, a test's events) is
 * the caller's. A build runs the image's entry script on this machine, so requests from web pages
 * (a foreign Host or Origin) are refused.
 */

export interface StartedBuild {
  readonly id: string;
  readonly projectName: string;
  /** The S3 source the build reads: `bucket/prefix/`. */
  readonly sourceLocation: string;
  /** The project's variables with the start's overrides on top. */
  readonly variables: Readonly<Record<string, string>>;
  readonly startedAt: Date;
}

export interface CodeBuildStandIn {
  readonly endpoint: string;
  /** Every build started, oldest first. */
  builds(): readonly StartedBuild[];
  close(): Promise<void>;
}

export interface CodeBuildStandInOptions {
  /** Called once for each build started (not for a start retried with the same idempotency token). */
  readonly onBuild?: (build: StartedBuild) => void;
}

interface Project {
  readonly name: string;
  readonly location: string;
  readonly variables: Record<string, string>;
}

type Variable = { name: string; value?: string };

class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startCodeBuildStandIn(options: CodeBuildStandInOptions = {}): Promise<CodeBuildStandIn> {
  const projects = new Map<string, Project>();
  const builds: StartedBuild[] = [];
  const byToken = new Map<string, StartedBuild>();
  const region = process.env.AWS_REGION ?? 'us-east-1';
  const variablesOf = (list: Variable[] = []) => Object.fromEntries(list.map(({ name, value }) => [name, value ?? '']));

  const operations: Record<string, (input: Record<string, any>) => unknown> = {
    CreateProject(input) {
      if (projects.has(input.name)) throw new ApiError('ResourceAlreadyExistsException', `Project already exists: ${input.name}`);
      const project = { name: input.name, location: input.source?.location ?? '', variables: variablesOf(input.environment?.environmentVariables) };
      projects.set(project.name, project);
      return { project: { name: project.name, arn: `arn:aws:codebuild:${region}:123456789012:project/${project.name}`, source: input.source } };
    },
    StartBuild(input) {
      const project = projects.get(input.projectName);
      if (!project) throw new ApiError('ResourceNotFoundException', `Project cannot be found: ${input.projectName}`);
      const token = input.idempotencyToken ? `${project.name}\u0000${input.idempotencyToken}` : undefined;
      let build = token ? byToken.get(token) : undefined;
      if (!build) {
        build = {
          id: `${project.name}:${randomUUID()}`,
          projectName: project.name,
          sourceLocation: input.sourceLocationOverride ?? project.location,
          variables: { ...project.variables, ...variablesOf(input.environmentVariablesOverride) },
          startedAt: new Date(),
        };
        builds.push(build);
        if (token) byToken.set(token, build);
        options.onBuild?.(build);
      }
      return { build: describe(build) };
    },
  };

  const describe = (build: StartedBuild) => ({
    id: build.id,
    arn: `arn:aws:codebuild:${region}:123456789012:build/${build.id}`,
    projectName: build.projectName,
    startTime: build.startedAt.getTime() / 1000,
    currentPhase: 'SUBMITTED',
    buildStatus: 'IN_PROGRESS',
    source: { type: 'S3', location: build.sourceLocation },
    environment: { environmentVariables: Object.entries(build.variables).map(([name, value]) => ({ name, value, type: 'PLAINTEXT' })) },
  });

  const server = createServer((request, response) => void answer(request, response));
  async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const foreign = foreignRequestReason(request.headers, request.socket.localPort ?? 0);
    if (foreign) {
      request.resume();
      response.writeHead(403, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify({ __type: 'AccessDeniedException', message: foreign }));
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const operation = String(request.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
    response.setHeader('content-type', 'application/x-amz-json-1.1');
    try {
      const handle = operations[operation];
      if (!handle) throw new ApiError('InvalidInputException', `the CodeBuild stand-in does not implement ${operation || 'this request'}`);
      response.end(JSON.stringify(handle(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'))));
    } catch (error) {
      response.statusCode = 400;
      const { type, message } = error instanceof ApiError ? error : new ApiError('InternalFailure', (error as Error).message);
      response.end(JSON.stringify({ __type: type, message }));
    }
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    builds: () => [...builds],
    close: () => new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
