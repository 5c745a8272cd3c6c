// The parts of systeminformation that heartbeats use, loaded apart (host-metrics.ts): its index
// loads all 19 of its modules (Wi-Fi, printers, Bluetooth, ...), 0.7 MB more heap and about 2 MB
// more RSS in the daemon. Their types are the package's own.
declare module 'systeminformation/lib/cpu.js' {
  export { cpu, currentLoad } from 'systeminformation';
}
declare module 'systeminformation/lib/memory.js' {
  export { mem } from 'systeminformation';
}
declare module 'systeminformation/lib/osinfo.js' {
  export { osInfo } from 'systeminformation';
}
