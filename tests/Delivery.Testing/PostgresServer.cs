using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Xunit;

namespace Delivery.Testing;

/// <summary>
/// A private PostgreSQL cluster for one test class: <c>initdb</c> in a temporary directory (as the postgres user when
/// the tests run as root, since PostgreSQL refuses root), started with <c>pg_ctl</c> on 127.0.0.1 and a free port with
/// trust authentication, and stopped by its own data directory's postmaster pid when the tests end. The binaries are
/// looked for under /usr/lib/postgresql/&lt;version&gt;/bin (Debian's layout); test.sh installs PostgreSQL when missing.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private string _dataDirectory = "";
    private string _bin = "";
    private int _postmasterPid;

    public int Port { get; private set; }

    /// <summary>Connects as the superuser to the default database.</summary>
    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Timeout=15;Command Timeout=60";

    public async Task InitializeAsync()
    {
        _bin = FindBinaries();
        _dataDirectory = Directory.CreateTempSubdirectory("delivery-pg-").FullName;
        bool asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            await RunAsync("chown", ["-R", "postgres:postgres", _dataDirectory]).ConfigureAwait(false);
        }

        Port = FreePort();
        await RunAsPostgresAsync(asRoot, Path.Combine(_bin, "initdb"), ["-D", _dataDirectory, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions"]).ConfigureAwait(false);
        string serverOptions = $"-c listen_addresses=127.0.0.1 -p {Port.ToString(CultureInfo.InvariantCulture)} -k {_dataDirectory} -c fsync=off -c full_page_writes=off";
        await RunAsPostgresAsync(asRoot, Path.Combine(_bin, "pg_ctl"), ["start", "-D", _dataDirectory, "-w", "-t", "60", "-l", Path.Combine(_dataDirectory, "server.log"), "-o", serverOptions]).ConfigureAwait(false);
        string pidFile = await File.ReadAllTextAsync(Path.Combine(_dataDirectory, "postmaster.pid")).ConfigureAwait(false);
        _postmasterPid = int.Parse(pidFile.Split('\n')[0].Trim(), CultureInfo.InvariantCulture);
    }

    public async Task DisposeAsync()
    {
        if (_postmasterPid != 0)
        {
            try
            {
                // SIGINT is PostgreSQL's fast shutdown: it ends this cluster's sessions and exits cleanly.
                await RunAsync("kill", ["-INT", _postmasterPid.ToString(CultureInfo.InvariantCulture)]).ConfigureAwait(false);
                using Process postmaster = Process.GetProcessById(_postmasterPid);
                using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                try
                {
                    await postmaster.WaitForExitAsync(grace.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    postmaster.Kill();
                }
            }
            catch (Exception exception) when (exception is ArgumentException or InvalidOperationException)
            {
                // Already gone.
            }
        }

        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    private static string FindBinaries()
    {
        const string Root = "/usr/lib/postgresql";
        string? bin = Directory.Exists(Root)
            ? Directory.GetDirectories(Root)
                .Select(version => Path.Combine(version, "bin"))
                .Where(dir => File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl")))
                .OrderByDescending(dir => int.TryParse(Path.GetFileName(Path.GetDirectoryName(dir)), out int v) ? v : 0)
                .FirstOrDefault()
            : null;
        return bin ?? throw new InvalidOperationException(
            "PostgreSQL is not installed (no /usr/lib/postgresql/<version>/bin/initdb). Run ./test.sh, which installs it, or 'apt-get install -y postgresql'.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Task RunAsPostgresAsync(bool asRoot, string file, string[] arguments) =>
        asRoot ? RunAsync("runuser", ["-u", "postgres", "--", file, .. arguments]) : RunAsync(file, arguments);

    private static async Task RunAsync(string file, string[] arguments)
    {
        var start = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{file} {string.Join(' ', arguments)}' failed with exit code {process.ExitCode}: {await errors.ConfigureAwait(false)} {await output.ConfigureAwait(false)}");
        }
    }
}
