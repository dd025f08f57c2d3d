/**
 * The CloudWatch namespace of the platform's own metrics (`RunsStarted`, `ModelVersionsRegistered`,
 * ...). Handlers publish into it through Powertools, which reads it from
 * `POWERTOOLS_METRICS_NAMESPACE`; the constructs set that variable and build their metrics and
 * dashboards from this constant, so both sides name one namespace. Here, not in `lib/`, because
 * `lambda/` must not import `lib/`.
 */
export const PLATFORM_METRICS_NAMESPACE = 'MlopsPlatform';
