// The live count on the facilitator's check-in screen (docs/rules.md §2.6): every 10 seconds,
// ask the count endpoint named by the region's data-count-url and write its words into the
// aria-live="polite" region. Without JavaScript the page's Refresh link does the same.
const region = document.querySelector('[data-check-in-count]')

async function refresh () {
  try {
    const response = await fetch(region.dataset.countUrl, {
      headers: { Accept: 'application/json' },
      credentials: 'same-origin',
      cache: 'no-store'
    })
    if (!response.ok) return
    const data = await response.json()
    if (typeof data.text === 'string' && region.textContent !== data.text) {
      region.textContent = data.text
    }
  } catch (error) {
    // Offline for a moment: keep the last count and try again at the next tick.
  }
}

if (region && region.dataset.countUrl) {
  window.setInterval(refresh, 10000)
}
