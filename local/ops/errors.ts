/**
 * What can stop an operations command before it touches a queue: outputs that are
 * missing or not this pipeline's, a stack whose queues are not where the outputs say,
 * or no credentials. Each names what to do about it.
 */
export class OpsError extends Error {
  override readonly name: string = "OpsError";
}

/** No outputs were given, or they are not JSON, or they miss a key the contract requires. */
export class MissingOutputsError extends OpsError {
  override readonly name = "MissingOutputsError";
}

/** The outputs parse, but their queues are not in this account and region. */
export class WrongStackError extends OpsError {
  override readonly name = "WrongStackError";
}

/** The SDK's credential chain found nothing in the environment. */
export class MissingCredentialsError extends OpsError {
  override readonly name = "MissingCredentialsError";
}

/** A command asked for something the target cannot do, such as an invocation it has no way to make. */
export class UnsupportedError extends OpsError {
  override readonly name = "UnsupportedError";
}
