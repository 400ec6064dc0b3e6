// XEP-0004: Data Forms — parsing submitted forms and building forms and results.
import { type Element, xml } from '@xmpp/component';
import { NS_DATA } from './ns.js';

export type FormValues = Map<string, string[]>;

/** The `var → values` of a data form element, or undefined when `el` is not one. */
export function readForm(el: Element | undefined): FormValues | undefined {
  if (!el?.is('x', NS_DATA)) return undefined;
  const values: FormValues = new Map();
  for (const field of el.getChildren('field')) {
    const name = field.attrs.var;
    if (!name) continue;
    values.set(
      name,
      field.getChildren('value').map((v) => v.getText()),
    );
  }
  return values;
}

/** The first value of a field, if any. */
export function single(form: FormValues, name: string): string | undefined {
  return form.get(name)?.[0];
}

export function formType(form: FormValues): string | undefined {
  return single(form, 'FORM_TYPE');
}

export interface FieldSpec {
  var: string;
  type?: string;
  label?: string;
  required?: boolean;
  value?: string;
  desc?: string;
  /** Several values (text-multi). */
  values?: readonly string[];
  /** Choices of a list-single field. */
  options?: readonly string[];
}

export function buildForm(
  type: 'form' | 'result',
  fields: FieldSpec[],
  opts: { title?: string; instructions?: string } = {},
): Element {
  return xml(
    'x',
    { xmlns: NS_DATA, type },
    opts.title ? xml('title', {}, opts.title) : undefined,
    opts.instructions ? xml('instructions', {}, opts.instructions) : undefined,
    ...fields.map((f) =>
      xml(
        'field',
        { var: f.var, type: f.type, label: f.label },
        f.desc ? xml('desc', {}, f.desc) : undefined,
        f.required ? xml('required') : undefined,
        f.value !== undefined ? xml('value', {}, f.value) : undefined,
        ...(f.values ?? []).map((v) => xml('value', {}, v)),
        ...(f.options ?? []).map((v) => xml('option', {}, xml('value', {}, v))),
      ),
    ),
  );
}
