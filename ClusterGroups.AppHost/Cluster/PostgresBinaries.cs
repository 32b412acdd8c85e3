using System.Diagnostics;

namespace ClusterGroups.AppHost.Cluster;

// PostgreSQL's server programs (postgres, initdb, pg_basebackup, pg_ctl) and how to run them. Debian installs them in
// /usr/lib/postgresql/<major>/bin, not on PATH, and starts no cluster by itself; a program on PATH comes first.
// postgres and initdb refuse to run as root: as root they are run as the package's `postgres` account through
// setpriv (util-linux), which execs the program in place, so the process started is postgres itself and a signal
// (stop, kill -9, SIGSTOP) reaches it rather than a wrapper in between (runuser forks and waits).
public sealed class PostgresBinaries
{
    public const string Account = "postgres";

    // The one sentence for a machine without them (AppHost preflight, tests that need a real PostgreSQL).
    public const string InstallHint = "install Debian's postgresql package (apt-get install -y postgresql)";

    private PostgresBinaries(string directory) => Directory = directory;

    // The folder holding postgres, initdb, pg_basebackup, ...
    public string Directory { get; }

    public string Program(string name) => Path.Combine(Directory, name);

    // Whether postgres must be run as another account: root (also in a container) may not run it.
    public static bool AsRoot => Environment.IsPrivilegedProcess;

    public static PostgresBinaries? Find()
    {
        if (StorePreflight.FindOnPath("postgres") is { } onPath)
        {
            // /usr/local/bin/postgres may be a link into the real folder, where initdb and the rest are.
            var target = new FileInfo(onPath).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? onPath;
            if (Complete(Path.GetDirectoryName(target)!) is { } dir)
            {
                return new PostgresBinaries(dir);
            }
        }

        const string Debian = "/usr/lib/postgresql";
        if (!System.IO.Directory.Exists(Debian))
        {
            return null;
        }

        return System.IO.Directory.EnumerateDirectories(Debian)
            .Select(d => (Major: int.TryParse(Path.GetFileName(d), out var v) ? v : -1, Bin: Path.Combine(d, "bin")))
            .Where(d => d.Major > 0)
            .OrderByDescending(d => d.Major)
            .Select(d => Complete(d.Bin))
            .OfType<string>()
            .Select(dir => new PostgresBinaries(dir))
            .FirstOrDefault();
    }

    private static string? Complete(string dir) =>
        File.Exists(Path.Combine(dir, "postgres")) && File.Exists(Path.Combine(dir, "initdb")) ? dir : null;

    // What to execute to run `program args` as a user postgres accepts: the program itself, or, as root, setpriv
    // switching to the postgres account first.
    public (string FileName, IReadOnlyList<string> Arguments) Command(string program, IEnumerable<string> args) =>
        AsRoot
            ? ("setpriv", ["--reuid=" + Account, "--regid=" + Account, "--init-groups", "--", Program(program), .. args])
            : (Program(program), [.. args]);

    public ProcessStartInfo StartInfo(string program, IEnumerable<string> args)
    {
        var (file, arguments) = Command(program, args);
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in arguments)
        {
            info.ArgumentList.Add(arg);
        }

        return info;
    }

    // A folder postgres may own: as root, handed to the postgres account (initdb wants an empty folder it owns,
    // postgres a data folder of mode 0700 that is its own).
    public static void PrepareDirectory(string dir)
    {
        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(dir);
            return;
        }

        System.IO.Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (AsRoot)
        {
            RunChecked("chown", [$"{Account}:{Account}", dir]);
        }
    }

    // Root must run postgres as the postgres account, and there is none (PostgreSQL installed without Debian's package).
    public static bool AccountMissing =>
        AsRoot && !File.ReadLines("/etc/passwd").Any(l => l.StartsWith(Account + ":", StringComparison.Ordinal));

    // Why postgres cannot be run here, or null: missing programs, or root without the postgres account.
    public static string? Problem()
    {
        if (Find() is null)
        {
            return $"PostgreSQL's server programs (postgres, initdb) are neither on PATH nor in /usr/lib/postgresql/*/bin: {InstallHint}.";
        }

        if (AccountMissing)
        {
            return $"postgres refuses to run as root and there is no '{Account}' account to run it as: {InstallHint} (it makes one) or run as a normal user.";
        }

        return null;
    }

    private static void RunChecked(string file, IReadOnlyList<string> args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)) || process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {error}");
        }
    }
}
