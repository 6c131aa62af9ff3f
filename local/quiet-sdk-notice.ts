// Lambda runs Node.js 22; the SDK's notice about an older local Node.js says nothing about
// the pipeline. Imported first by entry points, before anything loads the SDK.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
