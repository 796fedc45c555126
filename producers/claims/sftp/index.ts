/** The SFTP pull of the claims watcher (producers/claims/sftp): remote files into `<claims.dir>/inbox/`. */
export {
  createSftpPull,
  SFTP_PULL_STAGE,
  SFTP_PULL_COMPONENT,
  type PullResult,
  type SftpPull,
  type SftpPullDeps,
  type SftpPullSettings,
} from './pull.ts';
export { connectSftp, type ConnectSftp, type RemoteEntry, type RemoteFs } from './remote.ts';
export {
  HostKeyMismatchError,
  fingerprintOfPublicKeyLine,
  normalizeFingerprint,
  openSshFingerprint,
} from './host-key.ts';
export { classifyRemoteName, SAFE_NAME, type RemoteNameVerdict } from './names.ts';
export { PARTIAL_DIR } from './local-drop.ts';
