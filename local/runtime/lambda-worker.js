"use strict";
/*
 * One Lambda execution environment: a worker thread that loads a function's bundle once
 * (the cold start) with the function's own environment, then serves invocations one at
 * a time, as Lambda does. What the function writes to stdout/stderr is captured per
 * invocation and handed back with the result over the same channel, so the host sees
 * every log and EMF line of an invocation before it sees the invocation end.
 *
 * Plain JavaScript on purpose: the bundle is already compiled, and a worker that needed
 * a TypeScript loader would pay for it on every cold start.
 */
const { parentPort, workerData } = require("node:worker_threads");
const { randomUUID } = require("node:crypto");

// Output goes to the host as it is written (batched per turn of the event loop), so what
// an invocation printed before it timed out or crashed still reaches the host, as it
// reaches CloudWatch on AWS. Messages on one port keep their order, so every line of an
// invocation arrives before its result.
let pending = "";
let flushScheduled = false;
function flushOutput() {
  flushScheduled = false;
  const newline = pending.lastIndexOf("\n");
  if (newline < 0) return;
  const lines = pending
    .slice(0, newline)
    .split("\n")
    .filter((line) => line.length > 0);
  pending = pending.slice(newline + 1);
  if (lines.length > 0) parentPort.postMessage({ type: "output", lines });
}
function takeOutput() {
  pending += "\n";
  flushOutput();
}
for (const stream of [process.stdout, process.stderr]) {
  stream.write = (chunk, encoding, callback) => {
    pending += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flushOutput);
    }
    const done = typeof encoding === "function" ? encoding : callback;
    if (typeof done === "function") done();
    return true;
  };
}

function describeError(error) {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { name: "Error", message: String(error) };
}

let handler;
try {
  const loaded = require(workerData.file);
  handler = loaded[workerData.exportName];
  if (typeof handler !== "function")
    throw new Error(`${workerData.file} exports no function named ${workerData.exportName}`);
  takeOutput();
  parentPort.postMessage({ type: "ready" });
} catch (error) {
  takeOutput();
  parentPort.postMessage({ type: "init-error", error: describeError(error) });
}

parentPort.on("message", async (request) => {
  const deadline = Date.now() + workerData.timeoutMs;
  const requestId = request.requestId || randomUUID();
  const context = {
    awsRequestId: requestId,
    functionName: workerData.functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: workerData.functionArn,
    memoryLimitInMB: String(workerData.memoryMb),
    logGroupName: `/aws/lambda/${workerData.functionName}`,
    logStreamName: `local/${workerData.environmentId}`,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {},
    fail() {},
    succeed() {},
  };
  try {
    const result = await handler(request.event, context);
    takeOutput();
    parentPort.postMessage({ type: "result", id: request.id, ok: true, result });
  } catch (error) {
    takeOutput();
    parentPort.postMessage({ type: "result", id: request.id, ok: false, error: describeError(error) });
  }
});
