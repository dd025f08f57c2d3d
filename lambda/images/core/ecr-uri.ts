import type { EcrImageRef } from './ports';

/** `<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>` or `@sha256:<digest>`, as `EcrImageUri` accepts it. */
export function parseEcrImageUri(uri: string): EcrImageRef & { readonly registryId: string } {
  const slash = uri.indexOf('/');
  const host = uri.slice(0, slash);
  const path = uri.slice(slash + 1);
  const registryId = host.slice(0, host.indexOf('.'));
  const at = path.indexOf('@');
  if (at >= 0) return { registryId, repository: path.slice(0, at), digest: path.slice(at + 1) };
  const colon = path.lastIndexOf(':');
  return { registryId, repository: path.slice(0, colon), tag: path.slice(colon + 1) };
}

/** The image URI pinned to a digest: what SageMaker deploys, immune to tags that move. */
export function pinnedImageUri(uri: string, digest: string): string {
  const { repository } = parseEcrImageUri(uri);
  return `${uri.slice(0, uri.indexOf('/'))}/${repository}@${digest}`;
}
