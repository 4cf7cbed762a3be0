using System.Globalization;

namespace Delivery.Worker.Redrive;

/// <summary>What one error type's objects came to in a redrive; records unless the name says objects.</summary>
internal sealed class RedriveCounts
{
    public int Objects { get; set; }

    /// <summary>Records a dry run would redrive.</summary>
    public int WouldRedrive { get; set; }

    public int Delivered { get; set; }

    /// <summary>Records the destination or a processor refused again; they are in the backup bucket under <see cref="RedriveIds.FailedAgainRoot"/>.</summary>
    public int FailedAgain { get; set; }

    /// <summary>Records of objects the destination could not take at all: left where they are, for the next run.</summary>
    public int Left { get; set; }

    /// <summary>Records of objects a marker says were redriven before.</summary>
    public int Skipped { get; set; }
}

/// <summary>A redrive's outcome: counts per error output type of the backup objects read, and every problem met.</summary>
internal sealed class RedriveReport
{
    private readonly SortedDictionary<string, RedriveCounts> _byType = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, RedriveCounts> ByType => _byType;

    /// <summary>Unreadable objects and lines, and deliveries that failed whole; each names the object.</summary>
    public List<string> Problems { get; } = [];

    /// <summary>Listed objects that are not failed-record objects (no error-output-type metadata), such as delivered objects sharing the bucket.</summary>
    public int OtherObjects { get; set; }

    /// <summary>The counts of <paramref name="errorOutputType"/>, created on first use.</summary>
    public RedriveCounts For(string errorOutputType)
    {
        if (!_byType.TryGetValue(errorOutputType, out RedriveCounts? counts))
        {
            _byType[errorOutputType] = counts = new RedriveCounts();
        }

        return counts;
    }

    /// <summary>True when everything read was delivered, backed up again or skipped: nothing left, nothing unreadable.</summary>
    public bool Complete => Problems.Count == 0 && _byType.Values.All(counts => counts.Left == 0);

    /// <summary>The table printed at the end of a run: one row per error output type and a total.</summary>
    public void Write(TextWriter output, bool dryRun)
    {
        string[] header = dryRun
            ? ["error output type", "objects", "would redrive", "already redriven"]
            : ["error output type", "objects", "delivered", "failed again", "left", "already redriven"];
        var rows = new List<string[]> { header };
        RedriveCounts total = new();
        foreach ((string type, RedriveCounts counts) in _byType)
        {
            rows.Add(Row(type, counts, dryRun));
            total.Objects += counts.Objects;
            total.WouldRedrive += counts.WouldRedrive;
            total.Delivered += counts.Delivered;
            total.FailedAgain += counts.FailedAgain;
            total.Left += counts.Left;
            total.Skipped += counts.Skipped;
        }

        rows.Add(Row("total", total, dryRun));
        int[] widths = [.. Enumerable.Range(0, header.Length).Select(column => rows.Max(row => row[column].Length))];
        foreach (string[] row in rows)
        {
            output.WriteLine(string.Join("  ", row.Select((cell, column) => column == 0 ? cell.PadRight(widths[column]) : cell.PadLeft(widths[column]))).TrimEnd());
        }

        if (OtherObjects > 0)
        {
            output.WriteLine($"{OtherObjects} other object(s) under the prefix are not failed-record objects and were left alone.");
        }

        foreach (string problem in Problems)
        {
            output.WriteLine("problem: " + problem);
        }
    }

    private static string[] Row(string type, RedriveCounts counts, bool dryRun)
    {
        static string N(int value) => value.ToString(CultureInfo.InvariantCulture);
        return dryRun
            ? [type, N(counts.Objects), N(counts.WouldRedrive), N(counts.Skipped)]
            : [type, N(counts.Objects), N(counts.Delivered), N(counts.FailedAgain), N(counts.Left), N(counts.Skipped)];
    }
}
