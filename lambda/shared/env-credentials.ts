import { fromEnv } from '@aws-sdk/credential-provider-env';
import { fromHttp } from '@aws-sdk/credential-provider-http';
import { chain } from '@smithy/core/config';

/**
 * Stands in for the SDK's default credential chain in Lambda bundles (an esbuild alias for
 * `@aws-sdk/credential-provider-node`, see PLATFORM_BUNDLING). Lambda and the local platform hand
 * functions their credentials in environment variables (or a container credentials endpoint),
 * so the SSO, INI, process and web-identity providers, with the STS and SSO clients they carry,
 * would only lengthen every cold start.
 */
export const defaultProvider = (init: Parameters<typeof fromHttp>[0] = {}) => chain(fromEnv(), () => fromHttp(init)());
