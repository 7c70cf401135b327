/** CPU time of this process: user + system seconds since a process.cpuUsage() reading. */
export function cpuSecondsSince(start: NodeJS.CpuUsage): number {
	const { user, system } = process.cpuUsage(start);
	return (user + system) / 1e6;
}
