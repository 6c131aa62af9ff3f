// Lambda runs Node.js 22; the SDK's notice about an older local Node.js would repeat in
// every test process and bury the results.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
