# Reference comparisons from R's survey package for tests/estimates/test_comparisons_against_r.py.
# Census design: svydesign(ids=~1, strata=~stratum, fpc=~cell_roll, weights=~weight), stratum = council +
# weight_cell (mode "fpc"), or the same without fpc (mode "nofpc", the comparisons' default). Each difference:
# svyby(~x, ~side, <subset to the two sides, answered>, svymean, covmat=TRUE) then svycontrast(A - B);
# df = degf of that subset.
# Usage: Rscript comparisons_reference.R pupils.csv pairs.csv out.csv fpc|nofpc
#   pairs.csv: breakdown, group, reference (reference "rest" = every other group of the breakdown with a value)
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
pupils <- read.csv(args[1], colClasses = "character", na.strings = "")
indicators <- sub("^ind_", "", grep("^ind_", names(pupils), value = TRUE))
for (v in c("weight", "cell_roll", paste0("ind_", indicators))) pupils[[v]] <- as.numeric(pupils[[v]])
pairs <- read.csv(args[2], colClasses = "character")
pupils$stratum <- paste(pupils$la_code, pupils$weight_cell, sep = "|")
with_fpc <- args[4] == "fpc"
census <- function(data) {
  if (with_fpc) svydesign(ids = ~1, strata = ~stratum, fpc = ~cell_roll, weights = ~weight, data = data)
  else svydesign(ids = ~1, strata = ~stratum, weights = ~weight, data = data)
}

compare <- function(design, a, b, id) {
  x <- design$variables[[paste0("ind_", id)]]
  a <- a & !is.na(x)
  b <- b & !is.na(x)
  if (!any(a)) return(NULL)
  if (!any(b)) return(data.frame(indicator_id = id, n = sum(a), reference_n = 0, estimate = NA,
                                 reference_estimate = NA, difference = NA, se = NA, df = NA))
  design <- update(design, side = ifelse(a, "A", ifelse(b, "B", NA)))
  sub <- subset(design, !is.na(side))
  res <- svyby(as.formula(paste0("~ind_", id)), ~side, sub, svymean, covmat = TRUE)
  con <- svycontrast(res, c(A = 1, B = -1))
  data.frame(indicator_id = id, n = sum(a), reference_n = sum(b), estimate = coef(res)[["A"]],
             reference_estimate = coef(res)[["B"]], difference = as.numeric(coef(con)),
             se = as.numeric(SE(con)), df = degf(sub))
}

label <- function(rows, comparison, level, code, breakdown, value, reference) {
  if (is.null(rows)) return(NULL)
  cbind(data.frame(comparison = comparison, geography_level = level, geography_code = code,
                   breakdown = breakdown, breakdown_value = value, reference = reference), rows)
}

results <- list()
add <- function(x) if (!is.null(x)) results[[length(results) + 1]] <<- x

for (la in sort(unique(pupils$la_code))) {
  design <- census(pupils[pupils$la_code == la, ])
  v <- design$variables
  for (level in c("school", "cluster")) {
    codes <- if (level == "school") v$seed_code else v$asg_code
    for (code in sort(unique(na.omit(codes)))) {
      inside <- !is.na(codes) & codes == code
      for (id in indicators)
        add(label(compare(design, inside, !inside, id), "area_vs_rest_of_council", level, code, "all", "all",
                  "rest_of_council"))
    }
  }
  geographies <- list(list(level = "council", code = la, mask = rep(TRUE, nrow(v))))
  for (asg in sort(unique(na.omit(v$asg_code))))
    geographies[[length(geographies) + 1]] <- list(level = "cluster", code = asg,
                                                   mask = !is.na(v$asg_code) & v$asg_code == asg)
  for (g in geographies) for (k in seq_len(nrow(pairs))) {
    b <- pairs$breakdown[k]
    values <- v[[b]]
    a <- g$mask & !is.na(values) & values == pairs$group[k]
    other <- if (pairs$reference[k] == "rest") g$mask & !is.na(values) & values != pairs$group[k] else
      g$mask & !is.na(values) & values == pairs$reference[k]
    kind <- if (pairs$reference[k] == "rest") "group_vs_rest" else "group_vs_group"
    for (id in indicators)
      add(label(compare(design, a, other, id), kind, g$level, g$code, b, pairs$group[k], pairs$reference[k]))
  }
}
councils <- sort(unique(pupils$la_code))
if (length(councils) > 1) {
  wave <- census(pupils)
  for (la in councils) for (id in indicators) {
    inside <- wave$variables$la_code == la
    add(label(compare(wave, inside, !inside, id), "council_vs_rest_of_wave", "council", la, "all", "all",
              "rest_of_wave"))
  }
}
write.csv(do.call(rbind, results), args[3], row.names = FALSE, na = "")
