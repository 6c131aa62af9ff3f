// Placeholder until the sales collector lands.
export const handler = async (): Promise<never> => {
  throw new Error("the sales collector is not implemented yet");
};
