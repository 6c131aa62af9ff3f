/** Stage 1: invoked by the schedule; pulls branches, upserts them, sends one message per branch. */
import { createBranchesHandler } from "../lib/handlers";
import { createHandlerDeps } from "../lib/runtime";

export const handler = createBranchesHandler(createHandlerDeps("branches"));
