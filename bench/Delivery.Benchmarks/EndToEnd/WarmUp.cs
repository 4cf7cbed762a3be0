namespace Delivery.Benchmarks.EndToEnd;

/// <summary>
/// When a scenario has warmed up: after at least <see cref="MinRuns"/> runs, once <see cref="QuietRuns"/> runs in a row
/// each compiled for less than <see cref="QuietShare"/> of their time; or at <see cref="MaxRuns"/> runs or after
/// <see cref="MaxTime"/>, whichever comes first, so that slow configurations (gzip SmallestSize) stay affordable.
/// </summary>
/// <remarks>
/// A per-batch method (the formatter's <c>Write</c>, the transform chain, a Parquet file's column writers) is called a
/// few times per warm-up run, and tiering takes 30 calls to instrument it and 30 more to optimise it. After three runs a
/// profile of the Parquet pipeline (100 B records, one core) had the JIT at 28 % of the measured window's CPU and the
/// formatter's loop in on-stack-replacement code, while the encoder alone, measured after the pipeline, ran fully
/// optimised code. One quiet run is not enough: compiling dies down after about a dozen runs of 100 B records and comes
/// back for several more as the next methods reach their counts.
/// </remarks>
public sealed class WarmUp
{
    private int _quietInARow;
    private TimeSpan _spent;

    public int MinRuns { get; init; } = 3;

    public int MaxRuns { get; init; } = 60;

    public int QuietRuns { get; init; } = 2;

    public double QuietShare { get; init; } = 0.01;

    public TimeSpan MaxTime { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Runs counted so far.</summary>
    public int Runs { get; private set; }

    /// <summary>Counts a warm-up run that took <paramref name="took"/> and compiled for <paramref name="compiling"/>; true when warm-up is over.</summary>
    public bool Done(TimeSpan took, TimeSpan compiling)
    {
        Runs++;
        _spent += took;
        _quietInARow = compiling < took * QuietShare ? _quietInARow + 1 : 0;
        return Runs >= MaxRuns || _spent >= MaxTime || (Runs >= MinRuns && _quietInARow >= QuietRuns);
    }
}
