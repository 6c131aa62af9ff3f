/** Stage 2: SQS-triggered; per branch message, pulls employees, keeps salespersons, upserts, fans out. */
import { createSalespersonsHandler } from "../lib/handlers";
import { createHandlerDeps } from "../lib/runtime";

export const handler = createSalespersonsHandler(createHandlerDeps("salespersons"));
