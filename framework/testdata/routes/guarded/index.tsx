export default function Guarded() {
  return <p id="guarded">inside</p>;
}
