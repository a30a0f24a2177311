// A report's PDF being prepared (cohort/reports/templates/reports/pdf_status.html): ask its
// status page every few seconds and say in the aria-live region when it is ready or has failed.
// Nothing moves the reader on; without JavaScript the page's "Check again" button does the same.
const region = document.querySelector('[data-pdf-status]')

function say (text, link) {
  region.textContent = ''
  const line = document.createElement('p')
  line.className = 'govuk-body'
  line.textContent = text + ' '
  if (link) {
    const anchor = document.createElement('a')
    anchor.className = 'govuk-link'
    anchor.href = link.href
    anchor.textContent = link.text
    line.appendChild(anchor)
  }
  region.appendChild(line)
}

async function check (timer) {
  try {
    const response = await fetch(region.dataset.checkUrl, { credentials: 'same-origin', cache: 'no-store' })
    if (response.status === 202) return // still being prepared
    const page = new DOMParser().parseFromString(await response.text(), 'text/html')
    const state = page.querySelector('[data-pdf-state]')?.dataset.pdfState
    if (state === 'ready') {
      window.clearInterval(timer)
      region.dataset.pdfState = 'ready'
      say('Your PDF is ready.', { href: region.dataset.downloadUrl, text: 'Download the PDF' })
    } else if (state === 'failed') {
      window.clearInterval(timer)
      region.dataset.pdfState = 'failed'
      say('Your PDF could not be made.', { href: region.dataset.checkUrl, text: 'See what you can do' })
    }
  } catch (error) {
    // Offline for a moment: ask again at the next tick.
  }
}

if (region && region.dataset.checkUrl) {
  const seconds = Number(region.dataset.checkEvery) || 5
  const timer = window.setInterval(() => check(timer), seconds * 1000)
}
