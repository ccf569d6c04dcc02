"""Services mapping: what a CPP invests in children's services, where, and how it compares with need and evidence."""
