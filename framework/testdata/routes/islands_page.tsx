import { signal } from "@preact/signals";
import Box from "../islands/Box.tsx";
import Count from "../islands/Count.tsx";
import Greeter from "../islands/Greeter.tsx";
import Outer from "../islands/Outer.tsx";

export default function IslandsPage() {
  const count = signal(41);
  return (
    <main>
      <Greeter
        name="world"
        when={new Date("2024-05-06T07:08:09.000Z")}
        tags={new Map([["a", 1], ["b", 2]])}
        missing={undefined}
      />
      <Count count={count} />
      <Count count={count} />
      <Box title="box">
        <Greeter name="slotted" />
      </Box>
      <Outer />
    </main>
  );
}
