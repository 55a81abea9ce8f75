import { Head } from "../../mod.ts";

export default function About() {
  return (
    <main>
      <Head>
        <title>About the fixture</title>
        <meta name="description" content="static page" />
      </Head>
      <h1 class="font-bold">About</h1>
    </main>
  );
}
