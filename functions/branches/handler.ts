// Placeholder until the branches collector lands.
export const handler = async (): Promise<never> => {
  throw new Error("the branches collector is not implemented yet");
};
