import Greeter from "../islands/Greeter.tsx";

export const EVIL = "</script><script>alert(1)</script><!-- \u2028\u2029 & </SCRIPT> $& $' $`";

export default function Xss() {
  return <Greeter name={EVIL} />;
}
