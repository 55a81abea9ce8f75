export default function Special() {
  return <p id="special">static beats [slug]</p>;
}
