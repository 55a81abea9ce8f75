export const handler = () => {
  throw new Error("secret detail of the page failure");
};

export default function Never() {
  return <p>never rendered</p>;
}
