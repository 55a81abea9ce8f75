export default function NotFound() {
  return <p id="fixture-404">Fixture page not found</p>;
}
