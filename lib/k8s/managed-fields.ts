// Who last set an object's fields, from its managedFields: lets a function recognise an event that
// only echoes its own server-side apply (the object as it left it, already seen in the apply's answer).

interface ManagedFieldsEntry {
  manager?: string;
  subresource?: string;
  /** RFC 3339, whole seconds (a Date in the client library's model instances). */
  time?: string | Date;
}

/**
 * True when every field outside `ignoredSubresources` was set by `manager` alone: nobody else (a user's
 * kubectl, another controller) has touched the object's spec or metadata since it was created. An
 * object without managedFields proves nothing: false.
 */
export function onlyManagedBy(
  obj: { metadata?: object },
  manager: string,
  ignoredSubresources: readonly string[] = [],
): boolean {
  const entries = (obj.metadata as { managedFields?: ManagedFieldsEntry[] } | undefined)?.managedFields;
  if (!entries?.length) return false;
  return entries.every((e) => e.manager === manager || ignoredSubresources.includes(e.subresource ?? ''));
}

/**
 * When `subresource` ('' for the object itself) was last written, as its managedFields entries record
 * it (whole seconds: a field manager's entry is stamped whenever it adds, changes or removes a field);
 * undefined when no entry says.
 */
export function lastWritten(obj: { metadata?: object }, subresource: string): Date | undefined {
  const entries = (obj.metadata as { managedFields?: ManagedFieldsEntry[] } | undefined)?.managedFields;
  let last: number | undefined;
  for (const e of entries ?? []) {
    if ((e.subresource ?? '') !== subresource || e.time === undefined) continue;
    const t = new Date(e.time).getTime();
    if (!Number.isNaN(t) && (last === undefined || t > last)) last = t;
  }
  return last === undefined ? undefined : new Date(last);
}
