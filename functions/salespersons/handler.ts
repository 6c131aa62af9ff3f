// Placeholder until the salespersons collector lands.
export const handler = async (): Promise<never> => {
  throw new Error("the salespersons collector is not implemented yet");
};
