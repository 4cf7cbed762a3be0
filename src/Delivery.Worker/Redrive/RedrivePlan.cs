namespace Delivery.Worker.Redrive;

/// <summary>What redrive does with one backup object: redrive it, or skip it since its marker says it was redriven.</summary>
internal readonly record struct PlannedObject(string Key, bool AlreadyRedriven);

/// <summary>
/// Which objects of the backup bucket a redrive reads, decided from key listings alone: the policy, with no I/O.
/// </summary>
internal static class RedrivePlan
{
    /// <summary>
    /// The prefix to list: <paramref name="from"/> when given, else the part of the error output prefix before its first
    /// expression (everything, for the default prefix). Throws <see cref="RedriveInputException"/> when
    /// <paramref name="from"/> lies outside both the error output prefix and redrive's own failed-again folder, where no
    /// failed record of the pipeline can be.
    /// </summary>
    public static string ListPrefix(string errorOutputPrefix, string? from)
    {
        int expression = errorOutputPrefix.IndexOf("!{", StringComparison.Ordinal);
        string root = expression < 0 ? errorOutputPrefix : errorOutputPrefix[..expression];
        if (string.IsNullOrEmpty(from))
        {
            return root;
        }

        if (from.StartsWith(RedriveIds.Root, StringComparison.Ordinal))
        {
            if (from.StartsWith(RedriveIds.FailedAgainRoot, StringComparison.Ordinal))
            {
                return from;
            }

            if (RedriveIds.FailedAgainRoot.StartsWith(from, StringComparison.Ordinal))
            {
                return RedriveIds.FailedAgainRoot;
            }

            throw new RedriveInputException($"--from '{from}' names redrive's markers ({RedriveIds.MarkerRoot}), not failed records.");
        }

        if (from.StartsWith(root, StringComparison.Ordinal))
        {
            return from;
        }

        if (root.StartsWith(from, StringComparison.Ordinal))
        {
            return root;
        }

        throw new RedriveInputException(
            $"--from '{from}' is outside the pipeline's failed records: they are under '{root}' (Backup:ErrorOutputPrefix) and, once redriven and failed again, under '{RedriveIds.FailedAgainRoot}'.");
    }

    /// <summary>
    /// The objects to consider, in key order: every listed key that is not redrive's own (markers always; failed-again
    /// objects unless <paramref name="listPrefix"/> is inside their folder), each marked as already redriven when its
    /// marker was listed.
    /// </summary>
    public static IReadOnlyList<PlannedObject> Create(string listPrefix, IEnumerable<string> keys, IEnumerable<string> markerKeys)
    {
        var redriven = new HashSet<string>(markerKeys.Select(RedriveIds.BackupKeyOf).OfType<string>(), StringComparer.Ordinal);
        bool failedAgainAsked = listPrefix.StartsWith(RedriveIds.FailedAgainRoot, StringComparison.Ordinal);
        return
        [
            .. keys
                .Where(key => !key.StartsWith(RedriveIds.Root, StringComparison.Ordinal) || (failedAgainAsked && key.StartsWith(RedriveIds.FailedAgainRoot, StringComparison.Ordinal)))
                .Where(key => !key.EndsWith('/'))
                .Distinct(StringComparer.Ordinal)
                .Order(StringComparer.Ordinal)
                .Select(key => new PlannedObject(key, redriven.Contains(key))),
        ];
    }
}
