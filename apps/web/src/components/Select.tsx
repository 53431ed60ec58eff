import type { SelectHTMLAttributes } from 'react';

/** A choice as a select shows it: the value sent and, when they differ, the words shown. */
export type Choice = string | { readonly value: string; readonly label: string };

type SelectProps = Omit<SelectHTMLAttributes<HTMLSelectElement>, 'onChange' | 'value' | 'children'> & {
  value: string;
  choices: readonly Choice[];
  onChange: (value: string) => void;
};

/** A native select (keyboard and screen readers as the platform gives them) over a list of choices. */
export function Select({ value, choices, onChange, ...rest }: SelectProps) {
  return (
    <select {...rest} value={value} onChange={(e) => onChange(e.target.value)}>
      {choices.map((c) => {
        const { value: v, label } = typeof c === 'string' ? { value: c, label: c } : c;
        return (
          <option key={v} value={v}>
            {label}
          </option>
        );
      })}
    </select>
  );
}
