import Greeter from "./Greeter.tsx";

/** Uses another island in its own render: there it is a plain component. */
export default function Outer() {
  return (
    <div class="outer">
      <Greeter name="inner" />
    </div>
  );
}
