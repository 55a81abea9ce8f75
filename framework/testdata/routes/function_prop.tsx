import Box from "../islands/Box.tsx";

/** Passes a function where the island expects data: functions cannot reach the browser. */
export default function FunctionProp() {
  return <Box title={(() => "not data") as unknown as string} />;
}
