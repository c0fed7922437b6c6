/** The real SDK keeps its version here; this simulation follows mp_ecard_sdk 1.0.7. */
export const Log = { version: '1.0.7-sim' }
