/**
 * The unit project synthesizes no CDK stack: a synthesis takes seconds, and the synth project shares one
 * per stack shape. A test that synthesizes (`Template.fromStack`, `app.synth()`) fails here at once, naming
 * where it belongs. The mock is lazy: test files that never load aws-cdk-lib pay nothing for it.
 */
jest.mock('aws-cdk-lib', () => {
  const cdk = jest.requireActual('aws-cdk-lib');
  cdk.Stage.prototype.synth = () => {
    throw new Error('unit tests synthesize no CDK stack: put this test under test/lib/ or name it *.synth.test.ts (the synth project)');
  };
  return cdk;
});
