/** Stage 3: SQS-triggered; per salesperson message, pulls the look-back window's sales and upserts them. */
import { createSalesHandler } from "../lib/handlers";
import { createHandlerDeps } from "../lib/runtime";

export const handler = createSalesHandler(createHandlerDeps("sales"));
