// The machine runs Node 20; the SDK's notice that future releases need Node 22 would otherwise
// print once per test file. The pinned SDK versions work on Node 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
