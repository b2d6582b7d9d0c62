using Oakestra.Actors.DataPlane.Routing;

namespace Oakestra.Actors.DataPlane.Balancing;

internal static class Geo
{
    private const double EarthRadiusKm = 6371.0088;

    /// <summary>Great-circle distance (haversine formula).</summary>
    public static double HaversineKm(GeoPoint a, GeoPoint b)
    {
        double Rad(double deg) => deg * Math.PI / 180.0;
        double dLat = Rad(b.Latitude - a.Latitude);
        double dLon = Rad(b.Longitude - a.Longitude);
        double h = Math.Sin(dLat / 2) * Math.Sin(dLat / 2)
                   + Math.Cos(Rad(a.Latitude)) * Math.Cos(Rad(b.Latitude)) * Math.Sin(dLon / 2) * Math.Sin(dLon / 2);
        return 2 * EarthRadiusKm * Math.Asin(Math.Min(1.0, Math.Sqrt(h)));
    }
}
