// A cache that cannot grow without bound, whatever keys come: a Map that empties itself when a new key would take it
// past its size. For values computed once and asked for again and again (the URLs exchanges go to, the charsets of
// Content-Type values, the fuzz loop's requests), where a target or a generator that never repeats itself only
// refills it.

export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly max: number) {
    super();
  }

  override set(key: K, value: V): this {
    if (this.size >= this.max && !this.has(key)) this.clear();
    return super.set(key, value);
  }
}
