export const handler = () => {
  throw new Error("secret detail of the error tree");
};
