// Who last set an object's fields, from its managedFields: lets a function recognise an event that
// only echoes its own server-side apply (the object as it left it, already seen in the apply's answer).

interface ManagedFieldsEntry {
  manager?: string;
  subresource?: string;
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
