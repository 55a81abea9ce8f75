interface Props {
  name: string;
  when?: Date;
  tags?: Map<string, number>;
  missing?: undefined;
}

export default function Greeter({ name, when, tags, missing }: Props) {
  return (
    <p class="greeter">
      Hello {name} {when?.toISOString() ?? ""} {tags ? [...tags.keys()].join(",") : ""} {String(missing)}
    </p>
  );
}
