// A minimal promise wrapper over one IndexedDB object store, keyed in-line by `keyPath`.
// The signing keys and the offline outbox each keep a database of their own, so that
// neither ever needs the other's schema version. Written here because the four calls we
// need do not justify a dependency.

/**
 * @param {string} dbName
 * @param {string} storeName
 * @param {string} keyPath
 */
export function idbStore(dbName, storeName, keyPath) {
  let opened = null;
  const open = () => {
    opened ??= new Promise((resolve, reject) => {
      const request = indexedDB.open(dbName, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(storeName, { keyPath });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    return opened;
  };
  const run = async (mode, act) => {
    const db = await open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(storeName, mode);
      const request = act(tx.objectStore(storeName));
      tx.oncomplete = () => resolve(request?.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  };
  return {
    get: (key) => run('readonly', (store) => store.get(key)),
    put: (value) => run('readwrite', (store) => store.put(value)).then(() => undefined),
    delete: (key) => run('readwrite', (store) => store.delete(key)).then(() => undefined),
    all: () => run('readonly', (store) => store.getAll()),
  };
}

/** The same interface in memory: for node tests, and where IndexedDB is missing. */
export function memoryStore(keyPath) {
  const rows = new Map();
  return {
    get: async (key) => rows.get(key),
    put: async (value) => {
      rows.set(value[keyPath], value);
    },
    delete: async (key) => {
      rows.delete(key);
    },
    all: async () => [...rows.values()],
  };
}
