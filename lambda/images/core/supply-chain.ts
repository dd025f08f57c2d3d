/**
 * Where image builds may take code from: the registries of base images and the package indexes of
 * requirements, as the deployer allows them (`InferenceImagesProps`). Anything else is refused at
 * registration, before a build can run it.
 */
export interface BuildSources {
  /** Registry hosts, as image references name them: `public.ecr.aws`, `<account>.dkr.ecr.<region>.amazonaws.com`. */
  readonly baseImageRegistries: readonly string[];
  /** Package index URLs, as pip takes them: `https://pypi.org/simple`. */
  readonly packageIndexes: readonly string[];
}

/** How each source is written, for the construct's props and the function's environment alike. */
export const SOURCE_FORMATS = {
  registry: { pattern: /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]+)?$/, description: 'a registry host like public.ecr.aws' },
  packageIndex: { pattern: /^https:\/\/[^\s,/]+(\/[^\s,]*)?$/, description: 'an https URL like https://pypi.org/simple' },
  repository: { pattern: /^[a-z0-9][a-z0-9._/-]*\*?$/, description: 'an ECR repository name, or a name prefix ending in * like team-models/*' },
} as const;

/** Docker Hub, where Docker pulls a reference whose first component names no registry host. */
const DOCKER_HUB = 'docker.io';

/**
 * The registry an image reference pulls from, as Docker reads it: its first component when that
 * holds a "." or ":" or is `localhost`, else Docker Hub (`library/python:3.12` is on docker.io).
 */
export function registryOf(reference: string): string {
  const slash = reference.indexOf('/');
  const first = slash < 0 ? '' : reference.slice(0, slash);
  return /[.:]/.test(first) || first === 'localhost' ? first.toLowerCase() : DOCKER_HUB;
}

/** An index URL as compared: scheme and host lowercase, no trailing "/" (pip treats both spellings alike). */
export function normalizeIndexUrl(url: string): string {
  const match = /^([a-z][a-z0-9+.-]*:\/\/[^/]+)(.*)$/i.exec(url);
  return match ? `${match[1].toLowerCase()}${match[2].replace(/\/+$/, '')}` : url;
}

/** `reference` (by tag or digest) pinned to `digest`: `<registry>/<repository>@sha256:...`. */
export function pinnedReference(reference: string, digest: string): string {
  const at = reference.indexOf('@');
  const repository = at >= 0 ? reference.slice(0, at) : reference.replace(/:[^:/]+$/, '');
  return `${repository}@${digest}`;
}

/** Why `reference` may not be a base image, or undefined when its registry is allowed. */
export function baseImageRefusal(reference: string, sources: BuildSources): string | undefined {
  const registry = registryOf(reference);
  if (sources.baseImageRegistries.includes(registry)) return undefined;
  return `must come from a registry this platform allows (${sources.baseImageRegistries.join(', ')}), not ${registry}`;
}

/**
 * Where images built elsewhere may be registered from: repositories of the account's own ECR
 * registry that the deployer named. The platform's own repository is not one: its images are
 * registered by their builds.
 */
export interface ExternalImageSources {
  /** The account's ECR registry host in the platform's region: `<account>.dkr.ecr.<region>.amazonaws.com`. */
  readonly registry: string;
  /** Repository names, or name prefixes ending in `*` (`team-models/*`); none by default. */
  readonly repositories: readonly string[];
}

/** Why `imageUri` (an ECR image URI) may not be registered, or undefined when its repository is allowed. */
export function externalImageRefusal(imageUri: string, sources: ExternalImageSources): string | undefined {
  const slash = imageUri.indexOf('/');
  const host = imageUri.slice(0, slash);
  const repository = imageUri.slice(slash + 1).split(/[@:]/)[0];
  const allowed = sources.repositories.some((pattern) => (pattern.endsWith('*') ? repository.startsWith(pattern.slice(0, -1)) : repository === pattern));
  if (host === sources.registry && allowed) return undefined;
  if (sources.repositories.length === 0) return 'is refused: this platform registers no images built elsewhere (its deployer named no repository for them)';
  return `must be in a repository of ${sources.registry} this platform may read (${sources.repositories.join(', ')})`;
}

/** Amazon ECR Public, where the default base image is: no Docker Hub pull limits in CodeBuild. */
export const PUBLIC_ECR_REGISTRY = 'public.ecr.aws';
/** pip's default index. */
export const DEFAULT_PACKAGE_INDEX = 'https://pypi.org/simple';
